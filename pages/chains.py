"""Placeholder until the page is built."""

import streamlit as st

st.title("建设中")
