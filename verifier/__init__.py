"""The stand-alone verifier of Yimai's proofs (see yimai_verify.py and README.md)."""
