"""``python -m bot`` is the same as ``referral-bot``."""

from bot.cli import main

if __name__ == "__main__":
    main()
