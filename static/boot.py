# The page's <script type="py" src>: started in a worker wherever the engine has module
# workers, on the main thread otherwise (static/apply.js decides; see README).
import sys

# The app bundle (bytecode, tools/precompile.py), written here by PyScript (`files`).
sys.path.insert(0, "/home/pyodide/app.zip")

from app.main import main

main()
