"""Signing: PAdES and CMS signatures, the keys they use, and verification of built files."""
