"""pallmall.screening"""
