"""Notices by e-mail: rendering, the outbox dispatcher, the SMTP transport and the dev mail catcher."""
