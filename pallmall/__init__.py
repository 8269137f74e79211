"""pallmall: oversight and transparency for the commercial cyber intrusion market."""
