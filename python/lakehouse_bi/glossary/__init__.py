"""Business glossary: terms, their definitions and the columns that realise them."""
