"""The zh-CN console: pages served by the same app, calling the same use cases as the API."""
