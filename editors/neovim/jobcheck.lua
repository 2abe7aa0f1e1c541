-- jobcheck's language server in Neovim 0.7 or later: one client per
-- project root (the nearest directory holding jobcheck.toml or .git),
-- attached to every YAML and JSON buffer.
local clients = {}

local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while true do
    if vim.fn.filereadable(dir .. '/jobcheck.toml') == 1
      or vim.fn.isdirectory(dir .. '/.git') == 1 then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return vim.fn.getcwd()
    end
    dir = parent
  end
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = { 'yaml', 'json' },
  callback = function(args)
    local root = root_of(vim.api.nvim_buf_get_name(args.buf))
    local id = clients[root]
    if id == nil or vim.lsp.get_client_by_id(id) == nil then
      id = vim.lsp.start_client({
        name = 'jobcheck',
        cmd = { 'jobcheck', 'lsp' },
        root_dir = root,
      })
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
