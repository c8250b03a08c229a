"""Shared pieces of the dashboard screens (sidebar, cached data, charts, messages).

They live outside pages/ so that Streamlit never takes a helper for a page; page files in
pages/ import them. No SQL here: data comes from kpi/ and ingest/.
"""
