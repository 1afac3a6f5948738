# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Sphinx configuration of the hwcloud.dcs docs site (built by docs/build.sh; started from
# `antsibull-docs sphinx-init --use-current`). The pages themselves are generated into docs/rst.

import os

project = 'hwcloud.dcs'
copyright = 'hwcloud.dcs developers'

title = 'hwcloud.dcs: Huawei Cloud DCS backup import for Ansible'
html_short_title = 'hwcloud.dcs'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

# Links into the Ansible docs resolve through a local inventory written by ansible_inventory.py
# (build.sh): the build must work offline, and -W turns an unreachable inventory into an error.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), 'build', 'ansible_devel.inv')),
}

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'
