"""The project dossier (项目档案): who may download the original files a project's rows came from."""

from __future__ import annotations

from collections.abc import Iterable

from .accounts import User

# stated on the dossier page and in the README
DOWNLOAD_RULE = (
    "原始文件只有管理员、导入该文件的上传员，以及负责本项目所属单位、且该文件只含其负责单位数据的上传员可以下载；"
    "查看账号和未登录的访客可以阅读档案和来源行，不能下载原始文件。"
)


def may_download_original(user: User | None, *, loaded_by: str, load_units: Iterable[str], project_unit: str) -> bool:
    """Whether `user` may download the archived original of a load that holds a row of this project.

    An original holds every column and row of the file (contacts, other units' projects), so
    a dossier's reader is not enough: an administrator, the uploader who loaded it, or an
    uploader answering for the project's unit when the file holds only units of theirs.
    """
    if user is None or user.disabled:
        return False
    if user.role == "admin":
        return True
    if user.role != "uploader":
        return False
    if loaded_by == user.name:
        return True
    units = set(user.units)
    return project_unit in units and set(load_units) <= units
