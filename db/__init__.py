"""Storage and business services of Zapis; nothing in here knows about Telegram."""
