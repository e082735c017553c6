/*
 * toml_bridge: the only file that sees toml++. It parses the text and copies
 * the document into the C tree of toml_tree.h, with every key's and value's
 * line and column, then lets toml++'s objects go. Syntax errors keep toml++'s
 * own position and description. No exception leaves this file.
 */
#include "toml_tree.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <toml++/toml.h>

namespace {

char *copy_string(std::string_view s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

void set_position(int &line, int &column, const toml::source_region &where) {
  line = static_cast<int>(where.begin.line);
  column = static_cast<int>(where.begin.column);
}

amp_toml_node *alloc_items(size_t n) {
  if (n == 0) return nullptr;
  auto *items = static_cast<amp_toml_node *>(std::calloc(n, sizeof(amp_toml_node)));
  if (!items) throw std::bad_alloc();
  return items;
}

void convert(const toml::node &in, amp_toml_node &out);

void convert_table(const toml::table &in, amp_toml_node &out) {
  out.kind = AMP_TOML_TABLE;
  out.items = alloc_items(in.size());
  for (auto &&[key, value] : in) {
    amp_toml_node &item = out.items[out.nitems++];
    item.key = copy_string(key.str());
    set_position(item.key_line, item.key_column, key.source());
    convert(value, item);
  }
}

void convert_array(const toml::array &in, amp_toml_node &out) {
  out.kind = AMP_TOML_ARRAY;
  out.items = alloc_items(in.size());
  for (const toml::node &value : in) convert(value, out.items[out.nitems++]);
}

void convert(const toml::node &in, amp_toml_node &out) {
  set_position(out.line, out.column, in.source());
  switch (in.type()) {
  case toml::node_type::table: convert_table(*in.as_table(), out); break;
  case toml::node_type::array: convert_array(*in.as_array(), out); break;
  case toml::node_type::string:
    out.kind = AMP_TOML_STRING;
    out.string = copy_string(in.as_string()->get());
    out.length = in.as_string()->get().size();
    break;
  case toml::node_type::integer:
    out.kind = AMP_TOML_INTEGER;
    out.integer = in.as_integer()->get();
    break;
  case toml::node_type::floating_point:
    out.kind = AMP_TOML_FLOAT;
    out.real = in.as_floating_point()->get();
    break;
  case toml::node_type::boolean:
    out.kind = AMP_TOML_BOOLEAN;
    out.boolean = in.as_boolean()->get();
    break;
  default: out.kind = AMP_TOML_DATETIME; break;
  }
}

void free_items(amp_toml_node &node) {
  for (size_t i = 0; i < node.nitems; ++i) free_items(node.items[i]);
  std::free(node.items);
  std::free(node.key);
  std::free(node.string);
}

} // namespace

extern "C" amp_toml_node *amp_toml_parse(const char *text, size_t len, int *line, int *column, char *msg,
                                         size_t msgsize) {
  *line = *column = 1;
  auto *root = static_cast<amp_toml_node *>(std::calloc(1, sizeof(amp_toml_node)));
  if (!root) {
    std::snprintf(msg, msgsize, "out of memory");
    return nullptr;
  }
  try {
    toml::table doc = toml::parse(std::string_view(text, len));
    root->line = root->column = 1;
    convert_table(doc, *root);
    return root;
  } catch (const toml::parse_error &e) {
    *line = static_cast<int>(e.source().begin.line);
    *column = static_cast<int>(e.source().begin.column);
    std::snprintf(msg, msgsize, "%.*s", static_cast<int>(e.description().size()), e.description().data());
  } catch (const std::exception &e) {
    std::snprintf(msg, msgsize, "%s", e.what());
  }
  amp_toml_free(root);
  return nullptr;
}

extern "C" void amp_toml_free_contents(amp_toml_node *node) {
  free_items(*node);
  node->items = nullptr;
  node->nitems = 0;
  node->key = node->string = nullptr;
}

extern "C" void amp_toml_free(amp_toml_node *root) {
  if (!root) return;
  free_items(*root);
  std::free(root);
}

extern "C" const char *amp_toml_version(void) {
#define AMP_STR2(x) #x
#define AMP_STR(x) AMP_STR2(x)
  return "toml++ " AMP_STR(TOML_LIB_MAJOR) "." AMP_STR(TOML_LIB_MINOR) "." AMP_STR(TOML_LIB_PATCH);
}
