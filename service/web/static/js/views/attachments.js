/* The dossier's files on a nomination's page: the list (size, SHA-256), a preview of PDFs and images
 * in the page, download, and for the proposing clerk, while the dossier may still change, the upload
 * (drag and drop or choose, several at once) with the API's type and size checks made before sending.
 *
 * The API takes a bearer token, never a cookie: files are fetched with it and shown or saved through
 * blob: URLs (the page's CSP allows blob: for img-src and object-src only). */

import { api, apiBlob } from "../api.js";
import { reportError, showError, showNotice } from "../alerts.js";
import { el, field, options, uid } from "../dom.js";
import { timeElement } from "../format.js";
import { label, labelEntries } from "../labels.js";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// What each type is called, and how its content begins (the API checks the content too); each list
// of files accepts the types its page's `accepted_types` names (a plan report also takes XLSX).
export const TYPES = {
  "application/pdf": { name: "PDF", ext: [".pdf"], magic: [[0x25, 0x50, 0x44, 0x46]] },
  [DOCX]: { name: "DOCX", ext: [".docx"], magic: [[0x50, 0x4b, 0x03, 0x04]] },
  [XLSX]: { name: "XLSX", ext: [".xlsx"], magic: [[0x50, 0x4b, 0x03, 0x04]] },
  "image/jpeg": { name: "JPEG", ext: [".jpg", ".jpeg"], magic: [[0xff, 0xd8, 0xff]] },
  "image/png": { name: "PNG", ext: [".png"], magic: [[0x89, 0x50, 0x4e, 0x47]] },
};
const PREVIEWABLE = new Set(["application/pdf", "image/jpeg", "image/png"]);

const number = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

/** "820 B", "12,5 KB", "3,2 MB". */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${number.format(bytes / 1024)} KB`;
  return `${number.format(bytes / (1024 * 1024))} MB`;
}

function typeOfName(name) {
  const lower = String(name || "").toLowerCase();
  return Object.keys(TYPES).find((t) => TYPES[t].ext.some((e) => lower.endsWith(e))) || null;
}

/** Why a file would be refused (Vietnamese), or null: the API's checks, made before sending. */
export async function checkFile(file, page) {
  const accepted = Object.keys(TYPES).filter((t) => page.accepted_types.includes(t));
  const names = accepted.map((t) => TYPES[t].name).join(", ");
  if (file.size === 0) return "Tệp rỗng.";
  if (file.size > page.max_bytes) return `Tệp lớn hơn giới hạn ${formatSize(page.max_bytes)}.`;
  const byName = typeOfName(file.name);
  if (!byName || !accepted.includes(byName)) return `Chỉ nhận tệp ${names}.`;
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const matches = TYPES[byName].magic.some((m) => m.every((b, i) => head[i] === b));
  if (!matches) return `Nội dung tệp không phải ${TYPES[byName].name} như tên tệp cho biết.`;
  return null;
}

/** The "Tài liệu hồ sơ" section of a nomination's page (loads its list; re-renders itself). */
export async function attachmentsSection(nominationId) {
  const section = el("section", { class: "card attachments", "aria-labelledby": "files-title" });
  await fill(section, nominationId);
  return section;
}

async function fill(section, nominationId) {
  const base = `/nominations/${encodeURIComponent(nominationId)}/attachments`;
  const page = await api(base);
  const preview = el("div", { class: "file-preview", hidden: true });
  const children = [el("h2", { id: "files-title" }, "Tài liệu hồ sơ")];
  if (page.items.length) children.push(fileTable(page.items, base, preview));
  else children.push(el("p", { class: "muted" }, "Hồ sơ chưa có tệp đính kèm."));
  children.push(preview);
  if (page.may_add) children.push(uploadForm(page, base, () => refresh(section, nominationId)));
  else if (page.locked_reason) children.push(el("p", { class: "muted small upload-locked" }, `Không thể tải thêm tệp: ${page.locked_reason}`));
  section.replaceChildren(...children);
}

async function refresh(section, nominationId) {
  try {
    await fill(section, nominationId);
  } catch (error) {
    reportError(error);
  }
}

function fileTable(items, base, preview) {
  const rows = items.map((a) => {
    const url = `${base}/${encodeURIComponent(a.id)}`;
    const view = PREVIEWABLE.has(a.content_type)
      ? el("button", { type: "button", class: "button button-small button-secondary", onclick: () => showPreview(preview, url, a) }, "Xem")
      : null;
    const save = el("button", { type: "button", class: "button button-small button-secondary", onclick: () => download(url, a.file_name) }, "Tải về");
    return el(
      "tr",
      { class: "file-row" },
      el(
        "td",
        { "data-label": "Tệp" },
        el("span", { class: "file-name" }, a.file_name),
        el("div", { class: "muted small" }, label("attachment_kinds", a.kind)),
        el("div", { class: "muted small" }, "SHA-256: ", el("code", { class: "sha256", title: "Mã băm SHA-256 của tệp" }, a.sha256)),
      ),
      el("td", { class: "num nowrap", "data-label": "Dung lượng" }, formatSize(a.size_bytes)),
      el("td", { class: "nowrap", "data-label": "Tải lên" }, timeElement(a.created_at)),
      el("td", { class: "file-actions", "data-label": "Thao tác" }, view, " ", save),
    );
  });
  return el(
    "div",
    { class: "table-wrap table-wrap-flat", tabindex: "0", role: "region", "aria-label": "Tệp đính kèm" },
    el(
      "table",
      { class: "table table-compact files stack-narrow" },
      el("caption", { class: "visually-hidden" }, "Tệp đính kèm của hồ sơ"),
      el("thead", null, el("tr", null, ["Tệp", "Dung lượng", "Tải lên", "Thao tác"].map((h, i) => el("th", { scope: "col", class: i === 1 ? "num" : null }, h)))),
      el("tbody", null, rows),
    ),
  );
}

let previewUrl = null;

async function showPreview(box, url, attachment) {
  let blob;
  try {
    blob = await apiBlob(url);
  } catch (error) {
    reportError(error);
    return;
  }
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  // The type the server stored (checked by content), whatever the response said.
  previewUrl = URL.createObjectURL(new Blob([blob], { type: attachment.content_type }));
  const close = el("button", { type: "button", class: "button button-small button-light", onclick: () => closePreview(box) }, "Đóng xem trước");
  const body =
    attachment.content_type === "application/pdf"
      ? el("object", { class: "pdf-frame", type: "application/pdf", data: previewUrl, "aria-label": attachment.file_name }, el("p", null, "Trình duyệt không hiển thị được PDF trong trang; hãy bấm «Tải về»."))
      : el("img", { class: "image-preview", src: previewUrl, alt: attachment.file_name });
  box.replaceChildren(el("div", { class: "preview-head" }, el("strong", null, attachment.file_name), close), body);
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function closePreview(box) {
  box.replaceChildren();
  box.hidden = true;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
}

async function download(url, name) {
  try {
    const blob = await apiBlob(url);
    const href = URL.createObjectURL(blob);
    const a = el("a", { href, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 30_000);
  } catch (error) {
    reportError(error);
  }
}

function uploadForm(page, base, done) {
  const accepted = Object.keys(TYPES).filter((t) => page.accepted_types.includes(t));
  const names = accepted.map((t) => TYPES[t].name).join(", ");
  const room = page.max_files - page.total;
  const input = el("input", { type: "file", multiple: true, class: "file-input", accept: accepted.flatMap((t) => [...TYPES[t].ext, t]).join(",") });
  const kind = options(el("select", null), labelEntries("attachment_kinds"), "evidence");
  const staged = el("ul", { class: "staged-files", "aria-live": "polite" });
  const send = el("button", { type: "submit", class: "button button-primary", disabled: true }, "Tải lên");
  let ready = [];

  async function stage(files) {
    const list = [...files];
    const checked = await Promise.all(list.map(async (file) => ({ file, problem: await checkFile(file, page) })));
    let left = room;
    for (const c of checked) {
      if (!c.problem && left <= 0) c.problem = `Hồ sơ đã đủ ${page.max_files} tệp.`;
      else if (!c.problem) left -= 1;
    }
    ready = checked.filter((c) => !c.problem).map((c) => c.file);
    staged.replaceChildren(
      ...checked.map((c) =>
        el(
          "li",
          { class: c.problem ? "staged refused" : "staged ok" },
          el("span", { class: "file-name" }, c.file.name),
          ` (${formatSize(c.file.size)}) `,
          c.problem ? el("span", { class: "field-error" }, `– không gửi: ${c.problem}`) : el("span", { class: "muted" }, "– sẵn sàng"),
        ),
      ),
    );
    send.disabled = ready.length === 0;
    send.textContent = ready.length ? `Tải lên ${ready.length} tệp` : "Tải lên";
  }

  input.addEventListener("change", () => stage(input.files));
  const zone = el(
    "div",
    { class: "drop-zone" },
    el("p", null, "Kéo thả tệp vào đây, hoặc chọn tệp (được chọn nhiều tệp)."),
    field("Chọn tệp", input, `Nhận ${names}; mỗi tệp tối đa ${formatSize(page.max_bytes)}; hồ sơ còn nhận ${room} tệp.`),
  );
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("drag-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("drag-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("drag-over");
    if (event.dataTransfer && event.dataTransfer.files.length) stage(event.dataTransfer.files);
  });

  async function onSubmit(event) {
    event.preventDefault();
    if (!ready.length) return;
    send.disabled = true;
    let sent = 0;
    const failed = [];
    for (const file of ready) {
      const body = new FormData();
      body.append("file", file, file.name);
      body.append("kind", kind.value);
      try {
        await api(base, { method: "POST", multipart: body });
        sent += 1;
      } catch (error) {
        if (error.handled) return;
        failed.push(`${file.name}: ${error.message}`);
      }
    }
    await done();
    if (sent) showNotice(`Đã tải lên ${sent} tệp.`);
    if (failed.length) showError({ message: `Không tải lên được: ${failed.join("; ")}` });
  }

  const formId = uid("upload");
  return el(
    "form",
    { class: "upload-form", id: formId, "aria-label": "Tải tệp lên hồ sơ", onsubmit: onSubmit },
    el("h3", null, "Thêm tệp vào hồ sơ"),
    zone,
    staged,
    field("Loại tài liệu", kind),
    el("div", { class: "actions" }, send),
  );
}
