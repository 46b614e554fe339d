"""Writes, one module per sub-domain: ``<entity>_<action>`` functions, keyword-only, each in one transaction.

They take an ``audit.Actor`` (user and client address), never a request.
"""
