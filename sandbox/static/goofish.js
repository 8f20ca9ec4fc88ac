// Sandbox Goofish pages: everything is rendered from the mtop API answers, as on goofish.com.
(function () {
  "use strict";
  var BASE = document.body.getAttribute("data-base") || "";
  var PAGE = document.body.getAttribute("data-page");
  var params = new URLSearchParams(location.search);
  var hostile = params.get("hostile");

  function mtop(api, data) {
    var url = BASE + "/h5/" + api + "/1.0/?jsv=2.7.2&appKey=34839810&t=" + Date.now() +
      "&sign=sandbox&v=1.0&type=originaljson&accountSite=xianyu&dataType=json&timeout=20000&api=" +
      api + "&sessionOption=AutoLoginOnly" + (hostile ? "&hostile=" + encodeURIComponent(hostile) : "");
    return fetch(url, {
      method: "POST", credentials: "include",
      headers: {"content-type": "application/x-www-form-urlencoded"},
      body: "data=" + encodeURIComponent(JSON.stringify(data))
    }).then(function (r) { return r.json(); });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;  // never innerHTML: titles are hostile
    return node;
  }

  function failed(res) {
    var ret = (res.ret || []).join(" ");
    if (ret.indexOf("SUCCESS") === 0) return false;
    var box = document.getElementById("status");
    box.textContent = "";
    if (ret.indexOf("RGV587") >= 0 || ret.indexOf("FAIL_SYS_USER_VALIDATE") === 0) {
      document.body.setAttribute("data-state", "blocked");
      box.appendChild(el("p", "blocked", "哎哟喂,被挤爆啦,请稍后重试"));
      if (res.data && res.data.url) {
        var frame = el("iframe", "punish"); frame.src = res.data.url; box.appendChild(frame);
      }
    } else if (ret.indexOf("SESSION_EXPIRED") >= 0 || ret.indexOf("TOKEN") >= 0) {
      document.body.setAttribute("data-state", "login-required");
      var link = el("a", "login", "请先登录"); link.href = BASE + "/login?next=" + encodeURIComponent(location.pathname + location.search);
      box.appendChild(link);
    } else {
      document.body.setAttribute("data-state", "error");
      box.appendChild(el("p", "error", ret));
    }
    return true;
  }

  function card(item) {
    var ex = item.exContent || item;
    var a = el("a", "feeds-item-wrap"); a.href = BASE + "/item?id=" + ex.itemId;
    a.setAttribute("data-id", ex.itemId);
    a.appendChild(el("div", "main-title", ex.title));
    a.appendChild(el("span", "price", (ex.price || []).map(function (p) { return p.text; }).join("")));
    a.appendChild(el("span", "seller-text", ex.userNickName));
    a.appendChild(el("span", "location", ex.area));
    return a;
  }

  function search() {
    var q = params.get("q") || "", page = parseInt(params.get("page") || "1", 10) || 1;
    document.body.setAttribute("data-state", "loading");
    mtop("mtop.taobao.idlemtopsearch.pc.search", {pageNumber: page, keyword: q, fromFilter: false,
      rowsPerPage: 30, sortValue: "", sortField: "", customDistance: "", gps: "", propValueStr: {},
      customGps: "", searchReqFromPage: "pcSearch", extraFilterValue: "{}", userPositionJson: "{}"})
      .then(function (res) {
        if (failed(res)) return;
        var list = document.getElementById("feeds"); list.textContent = "";
        res.data.resultList.forEach(function (row) { list.appendChild(card(row.data.item.main)); });
        var next = document.querySelector(".search-pagination-arrow-right");
        next.disabled = !res.data.resultInfo.hasNextPage;
        document.body.setAttribute("data-page-number", String(page));
        document.body.setAttribute("data-state", "ready");
      });
  }

  function nextPage() {
    var page = (parseInt(params.get("page") || "1", 10) || 1) + 1;
    params.set("page", String(page));
    history.pushState({}, "", location.pathname + "?" + params.toString());
    search();
  }

  function detail() {
    mtop("mtop.taobao.idle.pc.detail", {itemId: params.get("id")}).then(function (res) {
      if (failed(res)) return;
      var item = res.data.itemDO, seller = res.data.sellerDO, box = document.getElementById("detail");
      box.appendChild(el("h1", "item-title", item.title));
      box.appendChild(el("div", "price", "¥" + item.soldPrice));
      box.appendChild(el("div", "desc", item.desc));
      (item.imageInfos || []).forEach(function (img) { var i = el("img", "photo"); i.src = img.url; box.appendChild(i); });
      var who = el("a", "seller", seller.nick); who.href = BASE + "/personal?userId=" + seller.sellerId;
      box.appendChild(who);
      document.body.setAttribute("data-state", "ready");
    });
  }

  function personal() {
    var uid = params.get("userId"), page = 1, box = document.getElementById("items");
    mtop("mtop.idle.web.user.page.head", {self: false, userId: uid}).then(function (res) {
      if (failed(res)) return;
      document.getElementById("nick").textContent = res.data.module.base.displayName;
    });
    function more() {
      mtop("mtop.idle.web.xyh.item.list", {needGroupInfo: false, pageNumber: page, userId: uid, pageSize: 20})
        .then(function (res) {
          if (failed(res)) return;
          res.data.cardList.forEach(function (c) {
            var a = el("a", "item-card", c.cardData.title); a.href = BASE + "/item?id=" + c.cardData.id;
            a.setAttribute("data-id", c.cardData.id); box.appendChild(a);
          });
          if (res.data.nextPage) { page += 1; more(); } else { document.body.setAttribute("data-state", "ready"); }
        });
    }
    more();
  }

  window.sandboxNextPage = nextPage;
  if (PAGE === "search") search();
  if (PAGE === "item") detail();
  if (PAGE === "personal") personal();
})();
