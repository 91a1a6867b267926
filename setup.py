"""Package list for setuptools (the rest is in pyproject.toml).

Every folder under delegations/ and schedule/ is a package, data folders included
(migrations, static, demo); templates/ sits at the top of the checkout and is shipped as
``delegations.templates``, where an installed app looks for it.
"""

from setuptools import find_namespace_packages, setup

PACKAGES = find_namespace_packages(include=["delegations*", "schedule*"],
                                   exclude=["*.__pycache__"])
TEMPLATES = ["delegations.templates"] + [
    f"delegations.templates.{p}"
    for p in find_namespace_packages(where="templates", exclude=["*.__pycache__"])
]

setup(packages=PACKAGES + TEMPLATES, package_dir={"delegations.templates": "templates"})
