"""pallmall.cli"""
