"""Core models (conformed dimensions and facts); Python models here define `READS` and `build`."""
