"""Plotly's configuration for every chart: its toolbar in Chinese, with the buttons that matter.

Plotly draws its toolbar's tooltips from a locale dictionary; the zh-CN one is not in
Streamlit's bundle, so it travels in the chart's config (nothing is fetched). On a phone
the toolbar is hidden (static/app.css): it would sit on the legend.
"""

ZH_CN = {
    "dictionary": {
        "Download plot as a PNG": "下载图片（PNG）",
        "Download plot": "下载图片",
        "Zoom": "框选放大",
        "Pan": "平移",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "Autoscale": "自动缩放",
        "Reset axes": "还原坐标轴",
        "Reset view": "还原视图",
        "Double-click to zoom back out": "双击还原",
        "Click to enter Colorscale title": "",
        "Click to enter Plot title": "",
        "Click to enter X axis title": "",
        "Click to enter Y axis title": "",
        "Snapshot succeeded": "图片已生成",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
        "Trace": "系列",
        "trace": "系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
        "decimal": ".",
        "thousands": ",",
    },
}

CONFIG = {
    "displaylogo": False,
    "locale": "zh-CN",
    "locales": {"zh-CN": ZH_CN},
    # box select and lasso select nothing here; zoom in/out and autoscale repeat zoom and reset
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"],
}
