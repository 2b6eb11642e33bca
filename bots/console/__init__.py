"""The console platform: a terminal chat for trying the bot without a platform account."""
