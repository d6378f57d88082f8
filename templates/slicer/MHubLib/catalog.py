"""The model browser's data: the bundled registry index, refreshed from the catalog when online."""

import html
import json
import os
import shutil
import tempfile
import urllib.request


def load_index(folder):
    """{"models": [card, ...], "segments": {id: resolved segment}} from models.json + terminology.json."""
    with open(os.path.join(folder, "models.json"), encoding="utf-8") as handle:
        models = json.load(handle)["models"]
    segments = {}
    path = os.path.join(folder, "terminology.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            segments = json.load(handle).get("segments", {})
    return {"models": models, "segments": segments}


def refresh_index(url, cache_folder, timeout=10, opener=urllib.request.urlopen):
    """Downloads models.json and terminology.json into cache_folder (atomically). Returns False
    when offline or on a bad answer: the caller keeps using the bundled index."""
    temp = tempfile.mkdtemp(prefix=".refresh-", dir=_parent(cache_folder))
    try:
        for name in ("models.json", "terminology.json"):
            with opener(url.rstrip("/") + "/" + name, timeout=timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
            if name == "models.json" and not isinstance(data.get("models"), list):
                return False
            with open(os.path.join(temp, name), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
        if os.path.isdir(cache_folder):
            shutil.rmtree(cache_folder)
        os.replace(temp, cache_folder)
        return True
    except (OSError, ValueError, AttributeError):
        return False
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _parent(folder):
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    return parent


def segment_names(model, segments):
    names = []
    for output in model.get("outputs", []):
        for segment_id in output.get("segments", []):
            resolved = segments.get(segment_id)
            names.append(resolved["name"] if resolved else segment_id)
    return names


def _haystack(model, segments):
    parts = [model.get("name", ""), model.get("title", ""), model.get("description", "")]
    parts += model.get("tags", [])
    for segment_id in [s for o in model.get("outputs", []) for s in o.get("segments", [])]:
        parts.append(segment_id)
        resolved = segments.get(segment_id)
        if resolved:
            parts.append(resolved["name"])
            parts += [resolved["type"]["value"], resolved["type"]["meaning"]]
    return " ".join(parts).lower()


def facets(model):
    return {
        "modality": sorted({m for i in model.get("inputs", []) for m in i.get("modality", [])}),
        "bodyPart": sorted({i["bodyPart"] for i in model.get("inputs", []) if i.get("bodyPart")}),
        "output": sorted({o["type"] for o in model.get("outputs", [])}),
        "backend": sorted(model.get("runtimes", {}).keys()),
    }


def search(index, query="", modality=None, body_part=None, output=None, backend=None):
    """Models whose text (title, description, tags, segment names, SNOMED CT codes) contains every
    word of the query and that match the chosen facets; best title matches first."""
    words = [w for w in query.lower().split() if w]
    found = []
    for model in index["models"]:
        f = facets(model)
        if modality and modality not in f["modality"]:
            continue
        if body_part and body_part not in f["bodyPart"]:
            continue
        if output and output not in f["output"]:
            continue
        if backend and backend not in f["backend"]:
            continue
        text = _haystack(model, index["segments"])
        if all(w in text for w in words):
            title = (model.get("title", "") + " " + model.get("name", "")).lower()
            score = sum(1 for w in words if w in title)
            found.append((-score, model.get("title", "").lower(), model))
    found.sort(key=lambda item: (item[0], item[1]))
    return [model for _score, _title, model in found]


def details_html(model, segments, module_available):
    """The model's details for the browser (Qt rich text); every card value is HTML-escaped."""
    e = html.escape
    f = facets(model)
    rows = [
        ("Inputs", ", ".join("{} ({})".format(i.get("label", ""), "/".join(i.get("modality", [])))
                             for i in model.get("inputs", []))),
        ("Outputs", ", ".join(sorted(set(f["output"])))),
        ("Segments", ", ".join(segment_names(model, segments))),
        ("Runs with", ", ".join(f["backend"])),
        ("GPU", model.get("requirements", {}).get("gpu", "unknown")),
        ("Licence", "code {}, weights {}".format(model.get("license", {}).get("code", "?"),
                                                 model.get("license", {}).get("weights", "?"))),
    ]
    parts = ["<h3>{}</h3>".format(e(model.get("title", model.get("name", "")))),
             "<p>{}</p>".format(e(model.get("description", "")))]
    parts += ["<p><b>{}:</b> {}</p>".format(e(k), e(v)) for k, v in rows if v]
    if model.get("cite"):
        parts.append("<p><b>Cite:</b> {}</p>".format(e(model["cite"])))
    if not module_available:
        parts.append("<p><i>No module for this model in this extension version.</i></p>")
    return "\n".join(parts)
