"""DocChat's Streamlit entry point: `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="DocChat", page_icon="💬", layout="wide")

navigation = st.navigation(
    [
        st.Page("ui/chat.py", title="Chat", icon="💬", default=True),
        st.Page("ui/documents.py", title="Documents", icon="📄"),
    ]
)
navigation.run()
