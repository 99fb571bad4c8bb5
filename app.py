"""Streamlit entry point: ``streamlit run app.py`` (or ``talent app``)."""

from talent.ui.app import main

main()
