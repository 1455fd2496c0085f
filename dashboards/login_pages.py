"""The pages of the login, served before any session (plain HTML, no script): the password form,
the second-factor code form (with the QR code of a first enrolment) and the logout button."""

from __future__ import annotations

from html import escape

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; background: #f4f6f8; color: #1d2733; }
form, .box { max-width: 380px; margin: 80px auto 0; background: #fff; padding: 24px 28px;
  border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h1 { font-size: 1.2rem; color: #123b5d; } label { display: block; margin-top: 12px; }
input { width: 100%; padding: 6px; margin-top: 4px; box-sizing: border-box; }
button { margin-top: 18px; background: #123b5d; color: #fff; border: 0; padding: 8px 18px; }
.error { color: #a4262c; }
.qr svg { width: 200px; height: 200px; display: block; margin: 8px auto; }
code { word-break: break-all; font-size: 0.95rem; } .note { font-size: 0.85rem; color: #4a5a6a; }
"""


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{escape(title)} — RRC</title>
<style>{STYLE}</style></head><body>
{body}
</body></html>"""


def _error(error: str) -> str:
    return f'<p class="error" id="erreur">{escape(error)}</p>' if error else ""


def password_form(action: str, csrf: str, next_path: str, error: str, oidc_link: str) -> str:
    return _page(
        "Connexion",
        f"""<form method="post" action="{escape(action)}">
<h1>Réseau régional de cancérologie — connexion</h1>
{_error(error)}
<label>Identifiant <input name="username" id="identifiant" autocomplete="username"
 autofocus></label>
<label>Mot de passe <input name="password" id="mot-de-passe" type="password"
 autocomplete="current-password"></label>
<input type="hidden" name="csrf" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<button type="submit" id="connexion">Se connecter</button>
{oidc_link}
</form>""",
    )


def code_form(
    action: str, csrf: str, username: str, error: str, enrol: tuple[str, str] | None
) -> str:
    """The code of the second factor; `enrol` = (seed, QR code SVG) for a first enrolment."""
    intro = (
        f"""<p>Première connexion de <b>{escape(username)}</b> : l'accès aux données demande un
second facteur. Scannez ce code QR avec une application d'authentification (FreeOTP, Google
Authenticator, Microsoft Authenticator…), ou saisissez-y la clé ci-dessous, puis entrez le code
à 6 chiffres qu'elle affiche.</p>
<div class="qr" id="qr-totp">{enrol[1]}</div>
<p class="note">Clé : <code id="cle-totp">{escape(enrol[0])}</code></p>"""
        if enrol
        else f"""<p>Entrez le code à 6 chiffres que votre application d'authentification affiche
pour <b>{escape(username)}</b>.</p>"""
    )
    return _page(
        "Second facteur",
        f"""<form method="post" action="{escape(action)}">
<h1>Réseau régional de cancérologie — second facteur</h1>
{_error(error)}
{intro}
<label>Code <input name="code" id="code-totp" inputmode="numeric" autocomplete="one-time-code"
 pattern="[0-9 ]*" maxlength="8" autofocus></label>
<input type="hidden" name="csrf" value="{escape(csrf)}">
<button type="submit" id="valider-code">Valider</button>
</form>""",
    )


def logout_form(action: str, csrf: str) -> str:
    return _page(
        "Déconnexion",
        f"""<form method="post" action="{escape(action)}">
<h1>Réseau régional de cancérologie</h1>
<p>Fermer la session ? Toutes les sessions ouvertes de ce compte seront fermées.</p>
<input type="hidden" name="csrf" value="{escape(csrf)}">
<button type="submit" id="deconnexion">Se déconnecter</button>
</form>""",
    )


def message(text: str) -> str:
    return _page("Connexion", f'<div class="box"><p class="error">{escape(text)}</p></div>')
