"""Build hook: copy the project's data folders into the wheel as sahelkg/_data (see sahelkg.resources)."""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
# The list lives in sahelkg.resources (run standalone here: the package is not importable at build time).
PACKAGED = runpy.run_path(str(HERE / "src" / "sahelkg" / "resources.py"))["PACKAGED"]


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "sahelkg" / "_data"
        for name in PACKAGED:
            source = HERE / name
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, dirs_exist_ok=True)
            else:
                shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildWithData})
