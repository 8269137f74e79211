"""``python -m pallmall.cli``."""

from pallmall.cli.main import main

main()
