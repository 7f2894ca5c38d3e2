// The search box as a combobox with list autocomplete (WAI-ARIA 1.2): after a
// short pause in typing, /api/suggest's completions in a listbox below it.
// Arrow keys move through them, Enter or a click picks one (a facet value
// adds its filter, a phrase or word is searched for), Escape closes the list
// and a second Escape clears the box. Without this script the box is a plain
// search field.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var form = input && input.form;
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var DELAY_MS = 120;
  var MIN_CHARS = 2;
  var endpoint = new URL("api/suggest", new URL(form.getAttribute("action") || "/", location.href));
  var listbox = document.createElement("ul");
  var items = [];
  var active = -1;
  var timer = null;
  var asked = 0;
  var pending = null;

  listbox.id = "q-suggestions";
  listbox.className = "suggestions";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Suggestions");
  listbox.hidden = true;
  input.insertAdjacentElement("afterend", listbox);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function show(suggestions) {
    items = suggestions;
    listbox.replaceChildren();
    items.forEach(function (item, i) {
      var option = document.createElement("li");
      var text = document.createElement("span");
      var kind = document.createElement("span");
      option.id = "q-suggestion-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      text.className = "text";
      text.textContent = item.text;
      kind.className = "kind";
      kind.textContent = " — " + item.kind;
      option.append(text, kind);
      listbox.append(option);
    });
    close();
    if (items.length) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  }

  function move(to) {
    var options = listbox.children;
    if (active >= 0) options[active].setAttribute("aria-selected", "false");
    active = (to + items.length) % items.length;
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function ask() {
    var typed = input.value;
    var mine = ++asked;
    if (pending) pending.abort();
    pending = new AbortController();
    endpoint.search = new URLSearchParams({ q: typed }).toString();
    fetch(endpoint, { signal: pending.signal, headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        // A later keystroke has asked again, or the box changed meanwhile.
        if (mine === asked && input.value === typed) show(answer.suggestions);
      })
      .catch(function () { /* no suggestions: the box works as it is */ });
  }

  // A facet value becomes a filter in place of the words typed; a phrase or
  // word becomes the query. The form is submitted, so the other fields stay.
  function pick(item) {
    close();
    if (item.filter) {
      Object.keys(item.filter).forEach(function (name) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = name;
        field.value = item.filter[name];
        form.append(field);
      });
      input.value = "";
    } else {
      input.value = item.text;
    }
    form.requestSubmit();
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    asked++;
    if (input.value.trim().length < MIN_CHARS) {
      items = [];
      close();
      return;
    }
    timer = setTimeout(ask, DELAY_MS);
  });

  input.addEventListener("keydown", function (event) {
    var open = !listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      if (!open) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      move(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(items[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (open) {
        close();
      } else if (input.value) {
        input.value = "";
        items = [];
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  });

  input.addEventListener("blur", close);
  // Keep the focus in the box while an option is clicked.
  listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
  listbox.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) pick(items[Array.prototype.indexOf.call(listbox.children, option)]);
  });
})();
