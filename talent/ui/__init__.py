"""The Streamlit app. Only this package and ``app.py`` import Streamlit."""
