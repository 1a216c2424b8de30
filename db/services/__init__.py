"""Business services: plain functions over an `AsyncSession`, no Telegram inside."""
