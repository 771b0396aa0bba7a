"""The Streamlit script every browser session runs: the app's pages, one idea each."""

import streamlit as st

st.set_page_config(page_title="DocChat", page_icon="💬", layout="wide")

# Paths are relative to this script's folder.
navigation = st.navigation(
    [
        st.Page("chat.py", title="Chat", icon="💬", default=True),
        st.Page("documents.py", title="Documents", icon="📄"),
    ]
)
navigation.run()
