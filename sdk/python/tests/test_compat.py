import ast
import os
import unittest

ROOT = os.path.join(os.path.dirname(__file__), "..")


class CompatTest(unittest.TestCase):
    def test_sources_parse_as_python_3_9(self):
        """The package and the sample provider use no syntax newer than
        Python 3.9 (match statements, parenthesised context managers, …)."""
        files = []
        for folder in ("stagecoach_provider", "examples", "tests"):
            for name in sorted(os.listdir(os.path.join(ROOT, folder))):
                if name.endswith(".py"):
                    files.append(os.path.join(ROOT, folder, name))
        self.assertGreater(len(files), 5)
        for path in files:
            with open(path, encoding="utf-8") as f:
                src = f.read()
            with self.subTest(path=os.path.relpath(path, ROOT)):
                ast.parse(src, filename=path, feature_version=(3, 9))

    def test_no_dependency_outside_the_standard_library(self):
        import sys
        stdlib = getattr(sys, "stdlib_module_names", None)
        if stdlib is None:
            self.skipTest("sys.stdlib_module_names needs Python 3.10")
        for name in sorted(os.listdir(os.path.join(ROOT, "stagecoach_provider"))):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(ROOT, "stagecoach_provider", name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    mods = [node.module]
                for m in mods:
                    self.assertIn(m.split(".")[0], stdlib, "%s imports %s" % (name, m))


if __name__ == "__main__":
    unittest.main()
