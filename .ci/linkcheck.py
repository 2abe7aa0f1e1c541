#!/usr/bin/env python3
"""Check the links of the built book and of the repository's Markdown.

Usage: linkcheck.py BOOK_DIR REPO_DIR

- In BOOK_DIR (mdBook's HTML output) every relative href/src must name a file
  that exists, and every #fragment an id in that file.
- In REPO_DIR, every relative link in README.md, ARCHITECTURE.md and
  docs/src/*.md must name a file that exists (with its anchor, for links
  between chapters).
External links (http, https, mailto) are not fetched: CI has no network.
"""
import html.parser
import os
import re
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value:
                self.links.append(value)


def parse(path, cache={}):
    if path not in cache:
        p = Links()
        with open(path, encoding="utf-8") as f:
            p.feed(f.read())
        cache[path] = p
    return cache[path]


def external(link):
    return re.match(r"^[a-z][a-z0-9+.-]*:", link) is not None


def check_book(book):
    bad = []
    for root, _, files in os.walk(book):
        for name in files:
            if not name.endswith(".html"):
                continue
            page = os.path.join(root, name)
            for link in parse(page).links:
                if external(link) or link.startswith("/"):
                    continue  # external, or the site's root (404.html's "home")
                url = urllib.parse.urlsplit(link)
                target = page if not url.path else os.path.normpath(
                    os.path.join(os.path.dirname(page), urllib.parse.unquote(url.path)))
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
                if not os.path.exists(target):
                    bad.append(f"{os.path.relpath(page, book)}: {link}: no such file")
                    continue
                frag = urllib.parse.unquote(url.fragment)
                if frag and target.endswith(".html") and frag not in parse(target).ids:
                    bad.append(f"{os.path.relpath(page, book)}: {link}: no anchor #{frag}")
    return bad


def slug(heading):
    # GitHub's and mdBook's heading ids: lower case, punctuation dropped,
    # spaces to hyphens.
    s = re.sub(r"<[^>]+>", "", heading.strip().lower())
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    ids, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            elif not fence and re.match(r"^#{1,6} ", line):
                ids.add(slug(line.lstrip("#")))
    return ids


def check_markdown(repo):
    bad = []
    pages = ["README.md", "ARCHITECTURE.md"]
    src = os.path.join(repo, "docs", "src")
    pages += [os.path.join("docs", "src", n) for n in sorted(os.listdir(src)) if n.endswith(".md")]
    for rel in pages:
        page = os.path.join(repo, rel)
        if not os.path.exists(page):
            continue
        text, fence = [], False
        with open(page, encoding="utf-8") as f:
            for line in f:
                if line.startswith("```"):
                    fence = not fence
                elif not fence:
                    text.append(re.sub(r"`[^`]*`", "", line))
        for link in re.findall(r"\]\(([^)\s]+)\)", "".join(text)):
            if external(link):
                continue
            url = urllib.parse.urlsplit(link)
            target = page if not url.path else os.path.normpath(
                os.path.join(os.path.dirname(page), url.path))
            if not os.path.exists(target):
                bad.append(f"{rel}: {link}: no such file")
            elif url.fragment and target.endswith(".md") and url.fragment not in anchors(target):
                bad.append(f"{rel}: {link}: no heading #{url.fragment}")
    return bad


def main():
    book, repo = sys.argv[1], sys.argv[2]
    bad = check_book(book) + check_markdown(repo)
    for line in bad:
        print(f"broken link: {line}", file=sys.stderr)
    if bad:
        sys.exit(1)
    print("links: all relative links resolve")


if __name__ == "__main__":
    main()
