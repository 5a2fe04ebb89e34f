# The page's <script type="py" src>: started in a worker when the page is cross-origin
# isolated, on the main thread otherwise (static/apply.js decides; see README).
from app.main import main

main()
