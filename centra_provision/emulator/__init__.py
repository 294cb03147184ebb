"""A faithful stand-in for one Centra instance.

It imports nothing from the rest of centra_provision on purpose: it is a second,
independent implementation of Centra, and sharing code with the client would hide
exactly the disagreements it exists to expose.
"""
