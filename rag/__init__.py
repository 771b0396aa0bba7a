"""DocChat's library: everything but the Streamlit UI lives here (and never imports Streamlit)."""
