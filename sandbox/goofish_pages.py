"""Goofish-style HTML: page shells the script fills in, the login form and the slider page."""

from __future__ import annotations

import hashlib
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from sandbox import session
from sandbox.pages import esc, layout
from sandbox.state import SandboxState

_BODIES = {
    "search": ('<form action="/goofish/search"><input name="q" class="search-input"><button>搜索</button></form>'
               '<div id="status"></div><div id="feeds" class="feeds-list-container"></div>'
               '<button class="search-pagination-arrow-right" disabled onclick="sandboxNextPage()">下一页</button>'),
    "item": '<div id="status"></div><div id="detail" class="item-main-container"></div>',
    "personal": '<div id="status"></div><h1 id="nick"></h1><div id="items" class="feeds-list-container"></div>',
}


def shell(page: str):
    """Return the endpoint of a page that goofish.js renders from API answers."""
    def endpoint(request: Request) -> HTMLResponse:
        body = _BODIES[page] + '<script src="/goofish/static/goofish.js"></script>'
        html = layout("闲鱼 - 闲不住？上闲鱼！", body).replace(
            "<body>", f'<body data-base="/goofish" data-page="{page}" data-state="loading">', 1)
        return HTMLResponse(html)
    return endpoint


def home(request: Request) -> HTMLResponse:
    body = ('<h1>闲鱼 (sandbox)</h1><form action="/goofish/search"><input name="q"><button>搜索</button></form>'
            '<a href="/goofish/login">登录</a>')
    return HTMLResponse(layout("闲鱼", body))


def _login_form(next_url: str, error: str = "") -> str:
    message = f'<p class="error">{esc(error)}</p>' if error else ""
    return layout("登录 - 闲鱼", (
        f'<h1>登录闲鱼 (sandbox)</h1>{message}<form method="post" action="/goofish/login" id="login-form">'
        f'<input type="hidden" name="next" value="{esc(next_url)}">'
        '<label>账号 <input name="loginId" id="fm-login-id"></label>'
        '<label>密码 <input name="password" type="password" id="fm-login-password"></label>'
        '<button type="submit" class="fm-button fm-submit password-login">登录</button></form>'
        '<p>Sandbox: any account name and any non-empty password log in.</p>'))


def _safe_next(value: str) -> str:
    # Only same-site paths: a login form must not redirect anywhere else.
    return value if value.startswith("/goofish") and not value.startswith("//") else "/goofish/"


def login_handler(state: SandboxState):
    """Return the login endpoint: GET shows the form, POST sets the session cookie."""
    async def endpoint(request: Request):
        if request.method == "GET":
            return HTMLResponse(_login_form(request.query_params.get("next", "/goofish/")))
        form = await request.form()
        login_id, password = str(form.get("loginId", "")).strip(), str(form.get("password", ""))
        next_url = _safe_next(str(form.get("next", "/goofish/")))
        if not login_id or not password:
            return HTMLResponse(_login_form(next_url, "请输入账号和密码"), status_code=400)
        state.stats["goofish/logins"] += 1
        response = RedirectResponse(next_url, status_code=303)
        value = session.issue(login_id, state.options.seed, state.session_generation)
        token = hashlib.md5(value.encode()).hexdigest()
        response.set_cookie(session.COOKIE, value, httponly=True, path="/", samesite="lax")
        response.set_cookie("_m_h5_tk", f"{token}_{int(time.time() * 1000)}", path="/")
        response.set_cookie("tracknick", login_id, path="/")
        return response
    return endpoint


def logout(request: Request):
    response = RedirectResponse("/goofish/", status_code=303)
    for name in (session.COOKIE, "_m_h5_tk", "tracknick"):
        response.delete_cookie(name, path="/")
    return response


def punish(request: Request) -> HTMLResponse:
    """The slider-captcha page a block points to. It cannot be solved; blocks expire or reset."""
    body = (
        '<div class="warnning-text">亲，访问受限了</div>'
        '<div id="nocaptcha" class="nc-container"><div id="nc_1_wrapper" class="nc_wrapper">'
        '<div id="nc_1__scale_text" class="scale_text"><span class="nc-lang-cnt">请按住滑块，拖动到最右边</span></div>'
        '<span id="nc_1_n1z" class="nc_iconfont btn_slide">&gt;</span></div></div>'
        '<script>window._config_ = {"action":"captcha","NCAPPKEY":"X82Y__sandbox","SECDATA":"'
        + esc(request.query_params.get("x5secdata", "")) + '","NCTOKENSTR":"sandbox"};</script>'
        '<p class="sandbox-note">Sandbox: this captcha cannot be solved. The block ends after '
        'block_seconds, or POST /_sandbox/reset.</p>')
    return HTMLResponse(layout("验证码拦截", body))
