"""pallmall.web"""
