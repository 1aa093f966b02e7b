// Suggestions under the header's search box (ARIA 1.2 combobox with a listbox popup).
// Without JavaScript the box is a plain form posting to /search.
(function () {
  "use strict";

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var url = input.getAttribute("data-suggest");
    var timer = null;
    var lastQuery = null;
    var active = -1;
    var controller = null;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(data) {
      list.replaceChildren();
      data.results.forEach(function (hit, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.className = "suggestion";
        // Only http(s) or site links are clickable (the server leaves href empty otherwise).
        var link = document.createElement(hit.href ? "a" : "span");
        if (hit.href) link.href = hit.href;
        link.tabIndex = -1;
        var badge = document.createElement("span");
        badge.className = "badge badge--" + hit.kind;
        badge.textContent = hit.kindLabel;
        var label = document.createElement("span");
        label.className = "suggestion__label";
        label.textContent = hit.label;
        link.append(badge, label);
        if (hit.matched) {
          var alias = document.createElement("span");
          alias.className = "meta";
          alias.textContent = "“" + hit.matched + "”";
          link.append(alias);
        }
        item.append(link);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the box until the link is followed
          if (hit.href) window.location.href = hit.href;
        });
        list.append(item);
      });
      if (data.total > data.results.length) {
        var more = document.createElement("li");
        more.id = list.id + "-all";
        more.setAttribute("role", "option");
        more.setAttribute("aria-selected", "false");
        more.className = "suggestion suggestion--all";
        var all = document.createElement("a");
        all.href = "/search?q=" + encodeURIComponent(data.q);
        all.tabIndex = -1;
        all.textContent = "All " + data.total.toLocaleString("en") + " matches";
        more.append(all);
        more.addEventListener("mousedown", function (event) {
          event.preventDefault();
          window.location.href = all.href;
        });
        list.append(more);
      }
      var open = data.results.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      if (query.length < 2) {
        close();
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { q: query, total: 0, results: [] };
        })
        .then(function (data) {
          if (data.q === input.value.trim()) show(data);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") close();
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) fetchSuggestions();
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        var link = options()[active].querySelector("a");
        if (link) window.location.href = link.href;
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(setup);
  });
})();
