"""pallmall.storage"""
