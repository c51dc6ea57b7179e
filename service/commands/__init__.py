"""The use cases every entry point calls (HTTP routes, the CLI, flows): typed input, `authorize`, the work, commit.

Each write is one function with keyword-only arguments that refuses with a DomainError or commits and
returns a typed result; routes turn refusals into problem details, the CLI into exit code 2.
"""
