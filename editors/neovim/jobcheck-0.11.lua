-- jobcheck's language server in Neovim 0.11 or later.
vim.lsp.config('jobcheck', {
  cmd = { 'jobcheck', 'lsp' },
  filetypes = { 'yaml', 'json' },
  root_markers = { 'jobcheck.toml', '.git' },
})
vim.lsp.enable('jobcheck')
