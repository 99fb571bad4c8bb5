"""The Streamlit app. Only this package and ``app.py`` import Streamlit.

May import any layer on its left (the store, people, the ranking, the views, the
schedule); never the cli.
"""
