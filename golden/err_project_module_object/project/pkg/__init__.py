from .models import Regressor
