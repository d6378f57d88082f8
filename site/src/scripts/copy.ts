// Copy buttons: copy the text of the element named by data-copy and say so (visibly and to
// screen readers). Falls back to a selection copy where the Clipboard API is unavailable.
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function startCopyButtons() {
  const live = document.createElement('p');
  live.className = 'visually-hidden';
  live.setAttribute('role', 'status');
  document.body.append(live);
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy!);
      if (!source) return;
      const ok = await copyText(source.textContent ?? '');
      const label = button.textContent;
      button.textContent = ok ? 'Copied' : 'Copy failed';
      live.textContent = ok ? 'Copied to the clipboard' : 'Could not copy; select the text instead';
      setTimeout(() => {
        button.textContent = label;
      }, 1600);
    });
  }
}
