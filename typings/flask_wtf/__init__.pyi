# Flask-WTF 1.3: the part the app uses (see typings/README.md).
from flask_wtf.csrf import CSRFProtect as CSRFProtect
from flask_wtf.form import FlaskForm as FlaskForm
