"""Digital signatures on PDF documents: demo CA, key stores, PAdES signing, verification.

Library code only: plain functions over bytes and typed specs, no database or HTTP.
"""
