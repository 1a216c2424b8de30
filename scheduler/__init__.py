"""Timed work in the bot's process: outbox delivery and housekeeping jobs."""
