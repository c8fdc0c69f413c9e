"""Reading the workspace into typed models, with errors that name file, line and field.

This package imports nothing of ours but ``influencer.errors``.
"""

from influencer.config.persona import Account, Persona
from influencer.config.platforms import BUILTIN_SPECS, PlatformSpec, known_platforms, platform_spec
from influencer.config.schedule import Schedule
from influencer.config.settings import Settings
from influencer.config.workspace import Workspace, find_root, load_workspace, open_workspace

__all__ = [
    "BUILTIN_SPECS",
    "Account",
    "Persona",
    "PlatformSpec",
    "Schedule",
    "Settings",
    "Workspace",
    "find_root",
    "known_platforms",
    "load_workspace",
    "open_workspace",
    "platform_spec",
]
