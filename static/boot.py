# The page's <script type="py" src>: started in a worker wherever the engine has module
# workers, on the main thread otherwise (static/apply.js decides; see README).
from app.main import main

main()
