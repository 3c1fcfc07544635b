"""Compatibility shims: the reference library's ``hooks`` package (aliases only).

The hooks live in :mod:`mongodb_session_manager.aws`; like it, these modules
import without boto3 (it is needed only to build a hook).
"""
