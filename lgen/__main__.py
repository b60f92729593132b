from lgen.cli import main

main()
