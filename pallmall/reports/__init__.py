"""pallmall.reports"""
